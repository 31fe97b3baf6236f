"""Box-side sync: the outbox now; batching, MQTT and USB channels build on it."""
