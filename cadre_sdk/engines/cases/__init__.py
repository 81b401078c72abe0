"""The fault-tolerance engine (容错纠错) with adjustments (能上能下): case events and their hash
chain, states and deadlines, tolerance variants, red lines; its tables' labels."""
