"""A bundled demo news site, generated deterministically and served on 127.0.0.1."""
