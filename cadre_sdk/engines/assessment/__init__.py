"""The annual assessment engine (年度考核): inputs, scoring, quota, consequences, scorecards,
"710" targets; its tables' labels."""
