"""District hub: receives signed batches from many boxes (MQTT or USB), stores them once,
acks, and sends notices, settings, revocations and watch lists down."""
