"""Human review of a stratified subset of exported clips: a small web app, SQLite, agreement."""
