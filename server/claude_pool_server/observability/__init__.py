"""What operators see: Prometheus metrics and OpenTelemetry traces, outside the engine.

The engine knows nothing of either: task metrics and spans are read off the store calls that
carry each transition (observability/measured_store.py), RPC metrics off the edge, gauges off a
periodic snapshot of the pool.
"""
