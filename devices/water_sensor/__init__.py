"""The water-quality sensor agent: measures pH, turbidity, free chlorine and temperature and publishes one reading a
minute over MQTT (awsiotsdk, mutual TLS) on ``sc/<commune>/water/<sensor>/reading``.

``model`` is the simulated water (daily patterns, rain, faults) the local stack and tests use in place of probes.
"""
