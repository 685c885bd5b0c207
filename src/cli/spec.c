/* uctr spec (being written) */
