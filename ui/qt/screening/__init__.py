"""The guided screening interview and the screenings of a case."""
