from cadre_sdk.cli.app import main

main()
