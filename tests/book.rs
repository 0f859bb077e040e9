// checks added below
