"""Full-window pages: first-start setup, unlock, the neutral screen."""
