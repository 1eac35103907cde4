"""The MCP server (Model Context Protocol): the service's rankings, explanations and
evidence for AI assistants, with the API's keys, roles and throttle. Served by
`manage.py mcp_server` (streamable HTTP, or stdio for a local assistant)."""
