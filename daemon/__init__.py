"""audix.daemon: the kernel side (netlink, rules, configuration, log writer, dispatcher, remote).

Depends on ``audix.analysis``; never imported by it.
"""
