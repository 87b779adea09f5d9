"""Who each face and clip appears to be: age, gender, race and emotion, with their source."""
