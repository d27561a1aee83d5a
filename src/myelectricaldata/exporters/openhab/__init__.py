"""openHAB destination: items (created on demand), their states, and persisted history.

``client`` speaks openHAB's REST API, ``mapping`` turns readings and measures into item
definitions, states and history points, ``config`` holds the settings (PROTOCOLS.md §7).
"""
