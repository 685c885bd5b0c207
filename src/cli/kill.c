/* uctr kill (being written) */
