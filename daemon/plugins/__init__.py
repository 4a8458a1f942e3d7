"""auditd dispatcher plugins: ``plugins.d`` configuration and the syslog plugin."""
