"""Remote logging: the audisp-remote <-> auditd framing, the audisp-remote
client engine and its on-disk queue, the auditd network listener, TLS."""
