"""The pure interview domain: reference points, interview state, policy, analysis, anketa.

Nothing here does I/O or imports a heavy or third-party runtime dependency beyond PyYAML.
"""
