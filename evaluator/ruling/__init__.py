"""Stage 6, the ruling: evaluate a case (its kind's module), explain why rules did not fire, alternative readings as data."""
