/** The release version, printed by --version and announced by the MCP server. */
export const VERSION = "0.1.0";
