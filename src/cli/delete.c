/* uctr delete (being written) */
