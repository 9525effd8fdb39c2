"""Feature engineering shared by training and serving."""
