"""Practice mode (培训模式): a staff member clicks around a throw-away copy of the demo
community; nothing they do opens a gate, sends a message or touches the real register."""
