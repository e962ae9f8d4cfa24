"""Settings: the one start check, the train config's and scripts' declarations, extras."""
