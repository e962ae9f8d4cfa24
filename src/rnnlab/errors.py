"""User mistakes end with one sentence; bugs keep their tracebacks."""


class UserError(Exception):
    """A mistake in config, data or arguments that the user can fix; its message says how."""


def require_positive(group: str, **values: object) -> None:
    """Raise a UserError naming the first of `values` that is not a positive whole number
    (`group.name=value`)."""
    for name, value in values.items():
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise UserError(f"{group}.{name}={value!r} must be a positive whole number.")


def require_split_fractions(val_fraction: float, test_fraction: float) -> None:
    """Validation and test fractions must each lie in (0, 1) and leave something to train on."""
    if not (0 < val_fraction < 1 and 0 < test_fraction < 1 and val_fraction + test_fraction < 1):
        raise UserError(
            f"data.val_fraction={val_fraction} and data.test_fraction={test_fraction} "
            "must each lie in (0, 1) and leave text for training."
        )


class NonFiniteLoss(UserError):
    """Training produced a nan or infinite loss; the run stops, keeping its last good checkpoint."""
