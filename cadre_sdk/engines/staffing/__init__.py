"""The staffing engine (配备与培训): career facts, staffing rules, training, care, the
candidate pool; its tables' labels."""
