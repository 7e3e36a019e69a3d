"""The secretariat's hub: a blind relay of sealed envelopes between enrolled devices (docs/HUB.md).

It stores envelopes, devices, wrapped scope keys and signed publications; it never holds a
content key, so nothing of a case is readable here.
"""
