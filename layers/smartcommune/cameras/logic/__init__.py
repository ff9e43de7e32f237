"""Pure camera logic: the analysis of a burst, event de-duplication, retention and the ports they use."""
