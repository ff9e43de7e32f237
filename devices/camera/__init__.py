"""The camera edge agent: reads a stream with OpenCV, gates motion, uploads bursts to S3, obeys IoT commands."""
