/* uctr list (being written) */
