"""Stage 3, the rule engine: the condition language of rules/, its compilation to durable-rules, the durable-rules boundary and the reference evaluator, and the limits both engines are held to."""
