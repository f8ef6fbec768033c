"""The work bench every user lands on (工作台: the numbers of their lists) and the demo data that
``make run`` loads. Stands on every other app; none stands on it."""
