"""Around a Lightning run: resume, learning-rate schedules, Lightning's notices."""
