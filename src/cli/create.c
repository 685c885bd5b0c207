/* uctr create (being written) */
