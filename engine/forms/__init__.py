"""Fixed forms: assembly of parallel forms by mixed-integer programming."""
