"""The queue rules of Talon: pure Python, no I/O, no clock of its own (time is passed in).

The hub, the simulator and the benchmarks all drive this same core.
"""
