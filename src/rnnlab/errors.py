"""User mistakes end with one sentence; bugs keep their tracebacks."""


class UserError(Exception):
    """A mistake in config, data or arguments that the user can fix; its message says how."""
