"""Pure vision logic: the motion gate (numpy), the tracker and the rules (plain Python); no OpenCV, no AWS."""
