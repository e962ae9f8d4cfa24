"""User mistakes end with one sentence; bugs keep their tracebacks."""


class UserError(Exception):
    """A mistake in config, data or arguments that the user can fix; its message says how."""


def require_split_fractions(val_fraction: float, test_fraction: float) -> None:
    """Validation and test together must leave something to train on (each fraction alone is
    checked by its declaration)."""
    if val_fraction + test_fraction >= 1:
        raise UserError(
            f"data.val_fraction={val_fraction} and data.test_fraction={test_fraction} add up to "
            "1 or more and leave no text for training; lower them."
        )


class NonFiniteLoss(UserError):
    """Training produced a nan or infinite loss; the run stops, keeping its last good checkpoint."""
