"""The organisation and its people: regions, halls, departments, windows and staff (with the
roster import), the users with their role and scope, the role table, sign-in, and which halls
and regions each user sees (``registry.scope``). Stands on ``core`` only."""
