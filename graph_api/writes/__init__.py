"""The write side: mutations, their validation through the loader's shapes, and the bounded
writer that talks to the store."""
