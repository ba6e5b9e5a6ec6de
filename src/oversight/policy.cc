// placeholder: being written (session 3)
