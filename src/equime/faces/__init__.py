"""Face detection (dlib HOG + 68-point shape predictor) and similarity alignment."""
