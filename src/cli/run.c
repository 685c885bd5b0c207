/* uctr run (being written) */
