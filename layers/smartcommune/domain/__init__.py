"""Pure logic. Repositories and other ports are passed in; nothing here touches AWS or the environment."""
