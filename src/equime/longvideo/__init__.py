"""Long recordings holding many expressions: micro- and macro-expressions at seeded times, the
living face between them, their ground truth as the field keeps it, and a first spotter."""
