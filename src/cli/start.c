/* uctr start (being written) */
