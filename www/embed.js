// data-petition placeholder
