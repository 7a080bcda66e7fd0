# placeholder: replaced by the owner of this directory
