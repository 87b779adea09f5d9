"""Any expression video → a micro-expression clip: stabilise the head, find the apex, take the
motion neutral → apex, and render it briefly and subtly on the neutral face."""
