"""Settings: the train config checked at one point before any work, the scripts' settings,
extras and resolvers."""
