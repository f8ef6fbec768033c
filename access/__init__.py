"""Who may do what (``access.policy``: every action, named once) and the menu built from it.
Stands on every app, so that the policy can know every record; the apps ask it by an action's
name (``core.permissions``) and never import it."""
