/* uctr state (being written) */
